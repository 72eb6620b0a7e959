import { createRoot } from 'react-dom/client';
import { App } from './App';
import { applyTheme, currentTheme } from './lib/theme';
import './styles.css';
import 'uplot/dist/uPlot.min.css';

applyTheme(currentTheme());
createRoot(document.getElementById('root')!).render(<App />);

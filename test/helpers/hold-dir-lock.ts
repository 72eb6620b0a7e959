// Child process for lock tests: takes the lock of argv[2], says so, and holds it until killed.
import { lockDir } from '../../src/storage/index.js';

lockDir(process.argv[2]);
process.stdout.write('held\n');
setInterval(() => {}, 60_000);

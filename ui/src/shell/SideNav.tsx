import type { NavItem } from './nav';
import { Link } from './Link';

/** Grafana's left navigation: sections with their pages below, the current trail marked; folds to icons. */
export function SideNav(props: { items: NavItem[]; trail: string[]; folded: boolean }) {
  const entry = (item: NavItem, depth: number) => {
    const active = props.trail[props.trail.length - 1] === item.id;
    const inTrail = props.trail.includes(item.id);
    return (
      <li key={item.id} className={`nav-item depth-${depth}`}>
        <Link to={item.path} className={`nav-link${active ? ' active' : ''}${inTrail ? ' in-trail' : ''}`} active={active} testId={`nav-${item.id}`} title={item.title}>
          {depth === 0 && <span className="nav-icon" aria-hidden="true">{item.icon ?? '•'}</span>}
          <span className="nav-title">{item.title}</span>
        </Link>
        {item.children && !props.folded && <ul className="nav-children">{item.children.map((c) => entry(c, depth + 1))}</ul>}
      </li>
    );
  };
  return (
    <nav className={`sidenav${props.folded ? ' folded' : ''}`} aria-label="Main menu" data-testid="sidenav">
      <ul>{props.items.map((i) => entry(i, 0))}</ul>
    </nav>
  );
}

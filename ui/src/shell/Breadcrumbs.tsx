import { Link } from './Link';

export interface Crumb {
  title: string;
  path?: string;
}

/** Home › Section › Page: every crumb but the last is a link. */
export function Breadcrumbs(props: { crumbs: Crumb[] }) {
  return (
    <nav aria-label="Breadcrumbs" className="breadcrumbs" data-testid="breadcrumbs">
      <ol>
        {props.crumbs.map((c, i) => (
          <li key={i}>
            {i < props.crumbs.length - 1 && c.path ? <Link to={c.path}>{c.title}</Link> : <span aria-current="page">{c.title}</span>}
          </li>
        ))}
      </ol>
    </nav>
  );
}

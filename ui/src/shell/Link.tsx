import { navigate } from '../lib/router';

/** An in-app link: a real `<a href>` (open in new tab works), navigated through the History API on a plain click. */
export function Link(props: { to: string; children: React.ReactNode; className?: string; active?: boolean; testId?: string; title?: string }) {
  return (
    <a
      href={props.to}
      className={props.className}
      aria-current={props.active ? 'page' : undefined}
      data-testid={props.testId}
      title={props.title}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
        e.preventDefault();
        navigate(props.to);
      }}
    >
      {props.children}
    </a>
  );
}

// Data that refreshes itself: loaded at once, then every `everyMs` while the page is visible, and on demand.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

export interface Polled<T> {
  data: T | undefined;
  error: Error | undefined;
  reload: () => Promise<void>;
}

export function usePolled<T>(load: () => Promise<T>, deps: unknown[], everyMs: number): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const current = useRef(load);
  current.current = load;
  // Only the newest request's answer is shown: a slow one started before an action must not undo its result.
  const sequence = useRef(0);
  const reload = useCallback(async () => {
    const mine = ++sequence.current;
    try {
      const value = await current.current();
      if (mine !== sequence.current) return;
      setData(value);
      setError(undefined);
    } catch (e) {
      if (mine === sequence.current) setError(e as Error);
    }
  }, []);
  useEffect(() => {
    setData(undefined);
    void reload();
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') void reload();
    }, everyMs);
    return () => clearInterval(timer);
  }, deps);
  return { data, error, reload };
}

/** The route: the part of the URL after '#'. */
export function useRoute(): string {
  const [route, setRoute] = useState(location.hash.slice(1) || '/');
  useEffect(() => {
    const onChange = () => setRoute(location.hash.slice(1) || '/');
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

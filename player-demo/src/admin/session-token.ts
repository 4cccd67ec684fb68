/** Where the admin token lives: this tab's sessionStorage (gone when the tab closes; never in a URL). */
const KEY = 'meshcast.adminToken';

/** The admin token kept for this tab. */
export const sessionToken = {
  get(): string | undefined {
    try {
      return sessionStorage.getItem(KEY) ?? undefined;
    } catch {
      return undefined; // storage disabled: the operator logs in on every load
    }
  },
  set(token: string): void {
    try {
      sessionStorage.setItem(KEY, token);
    } catch {
      // storage disabled: the token lives only as long as the page
    }
  },
  clear(): void {
    try {
      sessionStorage.removeItem(KEY);
    } catch {
      // nothing stored
    }
  },
};

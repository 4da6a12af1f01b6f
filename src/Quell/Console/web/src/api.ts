// The JSON API with the API key in a header. The key lives in sessionStorage only: never in a URL or a cookie.
const KEY = "quell.key";

export interface Session {
  principal: string;
  scopes: string[];
  authenticated: boolean;
}

export class ApiError extends Error {
  constructor(public status: number, public title: string, public detail: string) {
    super(detail || title);
  }
}

export const auth = {
  get key(): string | null {
    return sessionStorage.getItem(KEY);
  },
  set(key: string): void {
    sessionStorage.setItem(KEY, key);
  },
  clear(): void {
    sessionStorage.removeItem(KEY);
    session = null;
  },
};

let session: Session | null = null;

export function headers(extra: Record<string, string> = {}): Record<string, string> {
  const h: Record<string, string> = { Accept: "application/json", ...extra };
  const key = auth.key;
  if (key) h.Authorization = `Bearer ${key}`;
  return h;
}

let onUnauthorized: () => void = () => {};
export function whenUnauthorized(f: () => void): void {
  onUnauthorized = f;
}

async function problem(res: Response): Promise<ApiError> {
  let title = res.statusText;
  let detail = "";
  try {
    const body = await res.json();
    title = body.title ?? title;
    detail = body.detail ?? "";
  } catch {
    // not JSON: keep the status text
  }
  if (res.status === 403 && !detail) detail = "this key may not do that";
  return new ApiError(res.status, title, detail);
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, headers: headers(body === undefined ? {} : { "Content-Type": "application/json" }), credentials: "omit", cache: "no-store" };
  if (body !== undefined) init.body = JSON.stringify(body);
  const res = await fetch(path, init);
  if (res.status === 401) {
    onUnauthorized();
    throw await problem(res);
  }
  if (!res.ok) throw await problem(res);
  if (res.status === 204) return undefined as T;
  const type = res.headers.get("Content-Type") ?? "";
  return (type.includes("json") ? await res.json() : await res.text()) as T;
}

export const get = <T>(path: string) => request<T>("GET", path);
export const post = <T>(path: string, body: unknown = {}) => request<T>("POST", path, body);
export const put = <T>(path: string, body: unknown) => request<T>("PUT", path, body);

export async function currentSession(): Promise<Session> {
  if (!session) session = await get<Session>("/api/v1/console/session");
  return session;
}

export function can(scope: string): boolean {
  return !!session && (session.scopes.includes(scope) || session.scopes.includes("admin"));
}

export function actor(): string {
  return session?.principal ?? "console";
}

export const q = (params: Record<string, string | number | null | undefined>) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== "") p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : "";
};

export const enc = encodeURIComponent;

// Fetches from the console's API (same origin; the cookie carries the token).
export interface ApiError {
  code?: string;
  message: string;
  line?: number;
  col?: number;
}

export async function getJson<T>(path: string, params: URLSearchParams = new URLSearchParams()): Promise<T> {
  const qs = params.toString();
  const r = await fetch(qs ? `${path}?${qs}` : path, { credentials: 'same-origin' });
  const body = (await r.json()) as T | { error: ApiError };
  if (!r.ok)
    throw Object.assign(
      new Error((body as { error: ApiError }).error.message),
      (body as { error: ApiError }).error,
    );
  return body as T;
}

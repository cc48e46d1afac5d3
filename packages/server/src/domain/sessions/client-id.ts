/**
 * `<last 6 chars of the user id>-<device>`: the device name lower-cased, every run outside [a-z0-9] turned into one
 * `-`, trimmed of `-`, cut to 25 characters; `default` when there is none (API.md "client_id").
 */
export function clientIdFor(userId: string, deviceName: string | null, fallback = 'default'): string {
  const device =
    (deviceName ?? '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 25)
      .replace(/-+$/, '') || fallback;
  return `${userId.slice(-6)}-${device}`;
}

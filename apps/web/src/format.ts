/**
 * `49996` → `"49,996"`. Plain string work: `toLocaleString` loads the locale's data on first use, which can
 * take tens of milliseconds on the main thread.
 */
export function thousands(n: number): string {
  const [whole, fraction] = String(n).split(".");
  const grouped = (whole as string).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

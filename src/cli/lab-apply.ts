export async function runLoad(_argv: string[]): Promise<number> {
  return 1;
}
export async function runApply(_argv: string[]): Promise<number> {
  return 1;
}

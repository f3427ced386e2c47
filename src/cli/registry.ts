// Command registry, separate from main.ts so command tables can import it without a cycle.
export type Command = (argv: string[]) => Promise<number>;

export const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {};

export function register(name: string, summary: string, load: () => Promise<Command>): void {
  COMMANDS[name] = { summary, load };
}

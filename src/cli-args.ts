/** Flags a command takes besides the config flags: switches, and flags with a value. */
export interface CommandFlags {
  switches?: readonly string[]
  values?: readonly string[]
}

export interface ParsedArgs {
  positional: string[]
  /** the command's own flags: `true` for a switch, the text for a value flag */
  own: Map<string, string | true>
  /** everything else, for the config loader (`--port 9000`, `--storage-driver=postgres`) */
  configFlags: string[]
}

/** Splits a command's arguments into positionals, its own flags and config flags. */
export function parseArgs(args: readonly string[], flags: CommandFlags = {}): ParsedArgs {
  const positional: string[] = []
  const own = new Map<string, string | true>()
  const configFlags: string[] = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    const [name, inline] =
      arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined]
    if (flags.switches?.includes(name)) {
      own.set(name, true)
    } else if (flags.values?.includes(name)) {
      const value = inline ?? args[++i]
      if (value === undefined || value.startsWith('--')) throw new Error(`${name} needs a value`)
      own.set(name, value)
    } else if (arg.startsWith('--')) {
      configFlags.push(arg)
      const next = args[i + 1]
      if (inline === undefined && next !== undefined && !next.startsWith('--')) configFlags.push(args[++i]!)
    } else {
      positional.push(arg)
    }
  }
  return { positional, own, configFlags }
}

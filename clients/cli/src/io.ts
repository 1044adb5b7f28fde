/** Where a run of brokerctl reads and writes: the real process, or a test's buffers. */
export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
}

export interface OutputStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}

/** Everything stdin holds, as text (a token or values piped in). */
export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream) text += String(chunk);
  return text;
}

/** Colour only on a terminal, and never with NO_COLOR set (https://no-color.org). */
export function colourAllowed(io: CliIo): boolean {
  return io.stdout.isTTY === true && !io.env.NO_COLOR;
}

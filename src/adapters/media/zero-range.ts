import type { FileHandle } from 'node:fs/promises'

/** Overwrites `length` bytes at `offset` with zeros, 64 KiB at a time (metadata is scrubbed in place). */
export async function zeroRange(file: FileHandle, offset: number, length: number): Promise<void> {
  const zeros = Buffer.alloc(Math.min(length, 64 * 1024))
  for (let done = 0; done < length; done += zeros.length) {
    await file.write(zeros, 0, Math.min(zeros.length, length - done), offset + done)
  }
}

// Finds the real end of an OpenAI-style stream, the `data: [DONE]` event, in an SSE byte stream as it arrives,
// so the proxy can pass everything before it on at once and hold the event back until the turn is recorded.
// Only a line that starts an event (stream start, or after a blank line; comment lines do not count) and
// begins with `data: [DONE]` (or `data:[DONE]`) is the end: the same bytes inside a chunk's JSON text are
// content. Lines may end in LF or CRLF, and the event may be split across chunks anywhere.

const DONE_LINES = [Buffer.from('data: [DONE]'), Buffer.from('data:[DONE]')];
const LF = 10;
const CR = 13;
const COLON = 58;

export interface DoneSplitter {
  /** The bytes of `chunk` that may go to the client now (the rest is held). */
  push(chunk: Buffer): Buffer;
  /** Everything held: from the `[DONE]` event on, or the start of a line that may still become it. */
  held(): Buffer;
  /** True once the `[DONE]` event was seen. */
  readonly done: boolean;
}

/** 'done': the line is the end event; 'maybe': too short to tell; 'no'. */
function matchDone(data: Buffer, at: number): 'done' | 'maybe' | 'no' {
  let maybe = false;
  for (const line of DONE_LINES) {
    const n = Math.min(line.length, data.length - at);
    if (line.compare(data, at, at + n, 0, n) !== 0) continue;
    if (n === line.length) return 'done';
    maybe = true;
  }
  return maybe ? 'maybe' : 'no';
}

export function createDoneSplitter(): DoneSplitter {
  let eventStart = true; // the next line begins an event
  let inLine = false; // a line began in an earlier chunk and has not ended
  let lineBlank = true; // the current line has had nothing but CR so far
  let lineComment = false; // the current line is an SSE comment (`:`)
  let candidate = Buffer.alloc(0); // the start of a line at event start that may still be the end event
  let after: Buffer[] = []; // from the end event on
  let done = false;

  return {
    get done() {
      return done;
    },
    push(chunk) {
      if (done) {
        after.push(chunk);
        return Buffer.alloc(0);
      }
      const data = candidate.length > 0 ? Buffer.concat([candidate, chunk]) : chunk;
      candidate = Buffer.alloc(0);
      let pos = 0;
      while (pos < data.length) {
        if (!inLine) {
          if (eventStart) {
            const match = matchDone(data, pos);
            if (match === 'done') {
              done = true;
              after = [data.subarray(pos)];
              return data.subarray(0, pos);
            }
            if (match === 'maybe') {
              candidate = Buffer.from(data.subarray(pos)); // a copy: the caller may reuse its buffer
              return data.subarray(0, pos);
            }
          }
          inLine = true;
          lineBlank = true;
          lineComment = data[pos] === COLON;
        }
        const newline = data.indexOf(LF, pos);
        const end = newline < 0 ? data.length : newline;
        for (let i = pos; i < end && lineBlank; i++) if (data[i] !== CR) lineBlank = false;
        if (newline < 0) break;
        // A blank line ends an event; a comment line leaves an event's start where it was.
        eventStart = lineBlank || (eventStart && lineComment);
        inLine = false;
        pos = newline + 1;
      }
      return data;
    },
    held() {
      return done ? Buffer.concat(after) : candidate;
    },
  };
}

/**
 * A block's lines as the JSON text the database keeps (a StoredLine each, see blocks.ts), written byte by
 * byte as the lines come and read out as one text when the block closes. Built a text a line and joined,
 * each line left a few short-lived texts, kept until the block closed: V8's helper threads spent as much
 * collecting them as the building itself took (see the benchmark's README). The text is ASCII: any other
 * character of a request id or error code is written as a JSON escape, which reads back as it was.
 */
export class LinesText {
  private bytes = new Uint8Array(8192);
  private length = 1;
  /** Lines written. */
  count = 0;

  constructor() {
    this.bytes[0] = 0x5b; // [
  }

  /** One line: [ms after the block's first, request id, entry, status, error code, latency µs, tenant]. */
  add(
    after: number,
    requestId: string,
    entry: number,
    status: number,
    errorCode: string | null,
    micros: number,
    tenant: number,
  ): void {
    // At most 6 bytes a character (\uXXXX), 24 a number, and the brackets, commas and quotes.
    this.room(6 * (requestId.length + (errorCode?.length ?? 4)) + 5 * 24 + 16);
    if (this.count > 0) this.byte(0x2c);
    this.byte(0x5b);
    this.number(after);
    this.byte(0x2c);
    this.string(requestId);
    this.byte(0x2c);
    this.number(entry);
    this.byte(0x2c);
    this.number(status);
    this.byte(0x2c);
    if (errorCode === null) this.ascii('null');
    else this.string(errorCode);
    this.byte(0x2c);
    this.number(micros);
    this.byte(0x2c);
    this.number(tenant);
    this.byte(0x5d);
    this.count++;
  }

  /** The JSON array of every line written. */
  text(): string {
    this.room(1);
    this.bytes[this.length] = 0x5d; // ]
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.length + 1).toString('latin1');
  }

  private room(bytes: number): void {
    if (this.length + bytes <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + bytes));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  private byte(value: number): void {
    this.bytes[this.length++] = value;
  }

  private ascii(text: string): void {
    for (let i = 0; i < text.length; i++) this.byte(text.charCodeAt(i));
  }

  /** A whole number digit by digit; any other as JSON writes it (a number, or null where JSON has none). */
  private number(value: number): void {
    if (!Number.isSafeInteger(value)) {
      this.ascii(JSON.stringify(value));
      return;
    }
    let n = value;
    if (n < 0) {
      this.byte(0x2d);
      n = -n;
    }
    const start = this.length;
    do {
      this.byte(0x30 + (n % 10));
      n = Math.floor(n / 10);
    } while (n > 0);
    this.bytes.subarray(start, this.length).reverse();
  }

  private string(text: string): void {
    this.byte(0x22);
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x20 && c < 0x7f && c !== 0x22 && c !== 0x5c) this.byte(c);
      else if (c === 0x22 || c === 0x5c) {
        this.byte(0x5c);
        this.byte(c);
      } else {
        this.ascii('\\u');
        this.ascii(HEX[c >> 8] as string);
        this.ascii(HEX[c & 0xff] as string);
      }
    }
    this.byte(0x22);
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

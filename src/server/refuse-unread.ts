import { STATUS_CODES } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** The most of a refused request's body read and dropped to keep its connection (Go's `maxPostHandlerReadBytes`). */
export const UNREAD_BODY_DRAIN_BYTES = 256 * 1024;
/** How long a refused connection stays open, not read, after its answer (Go's `rstAvoidanceDelay`). */
const LINGER_MS = 500;

/**
 * Answers a request whose body was not read (a refusal before the body: memory pressure, rate limits). A body of at
 * most 256 KiB is read and dropped by Node as usual and the connection is kept. A larger body (or one of unknown
 * length) is not read at all: the answer is written with `Connection: close`, the connection half-closed, left
 * unread for 500 ms and then closed — as Go's net/http does. Reading and dropping it instead would allocate the
 * whole body as garbage, and under a flood of refused requests that garbage is the flood's size: the memory the
 * refusal exists to protect. Closing at once after the answer would make the kernel reset the connection while the
 * client is still sending (unread data), and a reset can destroy the answer before the client reads it; the
 * lingering half-close lets the client read the answer and stop sending first.
 */
export function refuseUnread(req: FastifyRequest, reply: FastifyReply, status: number, headers: Record<string, string>, body: string): FastifyReply {
  const length = Number(req.headers['content-length'] ?? NaN);
  if (length <= UNREAD_BODY_DRAIN_BYTES || req.raw.httpVersionMajor !== 1) {
    for (const [k, v] of Object.entries(headers)) reply.header(k, v);
    return reply.code(status).send(body);
  }
  reply.hijack();
  const socket = req.raw.socket;
  const payload = Buffer.from(body);
  const lines = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`, `date: ${new Date().toUTCString()}`, `content-length: ${payload.length}`, 'connection: close'];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  socket.end(payload);
  const timer = setTimeout(() => socket.destroy(), LINGER_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  return reply;
}

import { BlockList, isIP } from 'node:net'
import { AppError } from '../errors.js'

/** Longest endpoint URL accepted (real push services use well under 1 KB). */
export const MAX_ENDPOINT_LENGTH = 2048

/**
 * Addresses a push must never be aimed at (loopback, private, link-local, CGNAT, unspecified,
 * unique-local): a user could otherwise make JIM send requests to hosts inside its network.
 */
const PRIVATE = new BlockList()
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['224.0.0.0', 3],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv4')
for (const [net, bits] of [
  ['::', 127],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  PRIVATE.addSubnet(net, bits, 'ipv6')

/** Whether an IP literal is one push requests must not reach (IPv4-mapped IPv6 included). */
export function isPrivateAddress(ip: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
  if (mapped) return PRIVATE.check(mapped[1]!, 'ipv4')
  const family = isIP(ip)
  if (family === 0) return true
  return PRIVATE.check(ip, family === 4 ? 'ipv4' : 'ipv6')
}

/**
 * Checks a subscription's endpoint before it is stored: an https URL (http only with the test
 * setting) whose host is not an IP literal or name of a private/loopback host. Names are
 * resolved again at send time, where private answers are refused too (see WebPushSender).
 */
export function validateEndpoint(endpoint: string, allowInsecure: boolean): URL {
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    return refuse('The push endpoint is not a URL.')
  }
  if (endpoint.length > MAX_ENDPOINT_LENGTH) refuse(`The push endpoint is longer than ${MAX_ENDPOINT_LENGTH} characters.`)
  if (url.username || url.password) refuse('The push endpoint must not carry credentials.')
  if (allowInsecure) {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') refuse('The push endpoint must be an http(s) URL.')
    return url
  }
  if (url.protocol !== 'https:') refuse('The push endpoint must be an https URL.')
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase()
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal'))
    refuse('The push endpoint must be a public host.')
  if (isIP(host) !== 0 && isPrivateAddress(host)) refuse('The push endpoint must be a public host.')
  return url
}

function refuse(message: string): never {
  throw new AppError('push.endpoint_invalid', message, { details: [{ field: 'endpoint', problem: 'invalid' }] })
}

// Headless Chromium for rendering the HTML report in a test. Under CI=true a missing browser
// FAILS (.ci/run installs it); locally the test is skipped with a note, like the broker tests.
import {execFile} from 'node:child_process'
import {accessSync, constants, mkdtempSync, rmSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {IN_CI} from '../helpers/brokers.js'

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter((p): p is string =>
  Boolean(p),
)

export function findChromium(): string | undefined {
  for (const candidate of CANDIDATES) {
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // next
    }
  }
  return undefined
}

/** The browser, or undefined (skip) locally; throws under CI=true when it is missing. */
export function chromiumOrSkip(): string | undefined {
  const found = findChromium()
  if (found) return found
  const message = `chromium not found (tried ${CANDIDATES.join(', ')})`
  if (IN_CI) throw new Error(`${message}; CI=true: the HTML render test must not be skipped (apt-get install -y chromium)`)
  process.stderr.write(`[skip] ${message}; install it (apt-get install chromium) to run the HTML render test\n`)
  return undefined
}

export interface ChromiumRun {
  stdout: string
  stderr: string
}

/** Run headless Chromium on a file URL with `extra` (e.g. --dump-dom, --screenshot=…); no network, fresh profile. */
export function runChromium(binary: string, fileUrl: string, extra: string[], timeoutMs = 45_000): Promise<ChromiumRun> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'mqkit-chromium-'))
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-dev-shm-usage',
    // Page console messages (script errors, CSP violations) go to stderr as "CONSOLE" lines.
    '--enable-logging=stderr',
    '--v=0',
    `--user-data-dir=${profile}`,
    ...extra,
    fileUrl,
  ]
  return new Promise((resolve, reject) => {
    execFile(binary, args, {timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024}, (error, stdout, stderr) => {
      rmSync(profile, {recursive: true, force: true})
      if (error) reject(new Error(`chromium failed: ${error.message}\n${stderr}`))
      else resolve({stdout, stderr})
    })
  })
}

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(png: Buffer): {width: number; height: number} {
  if (png.subarray(0, 8).toString('hex') !== '89504e470d0a1a0a') throw new Error('not a PNG')
  return {width: png.readUInt32BE(16), height: png.readUInt32BE(20)}
}

import { writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installRequirements } from '../../main/launcher/demo.ts';
import { LaunchError } from '../../main/launcher/errors.ts';
import { demoPython } from '../helpers/demo.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir('djleak-demo-setup-');
let unreachable: string;
const retries = process.env.PIP_RETRIES;

/** A requirements file whose index refuses connections: pip retries it, printing a warning each time. */
function requirements(name: string, requirement: string): string {
  const file = path.join(tmp.dir, name);
  writeFileSync(file, `--index-url ${unreachable}\n${requirement}\n`);
  return file;
}

beforeAll(async () => {
  // a port nothing listens on: connections are refused at once, no DNS, no wait
  const server = net.createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  unreachable = `http://127.0.0.1:${port}/simple`;
  process.env.PIP_RETRIES = '1'; // one retry warning, no back-off to wait for
});
afterAll(() => {
  if (retries === undefined) delete process.env.PIP_RETRIES;
  else process.env.PIP_RETRIES = retries;
  tmp.cleanup();
});

describe("the demo environment's pip install (the real pip of the demo virtualenv)", () => {
  it("on failure: pip's reason first, then its output, the retry warnings among it", async () => {
    const file = requirements('broken.txt', 'djleak-no-such-package-zz==1.0');
    const error = (await installRequirements(demoPython, [file]).catch((e: unknown) => e)) as LaunchError;
    expect(error).toBeInstanceOf(LaunchError);
    expect(error.code).toBe('demo-setup-failed');
    const [headline, ...notes] = error.messageFor('app').split('\n');
    expect(headline).toBe(
      `pip could not install the requirements of ${file}: Could not find a version that satisfies the requirement djleak-no-such-package-zz==1.0 (from versions: none)`,
    );
    expect(notes).toContain('No matching distribution found for djleak-no-such-package-zz==1.0');
    expect(notes.at(-1)).toMatch(/^hint: pip could not reach a package index/);
    // the output, as pip printed it
    expect(error.detail.some((l) => /^WARNING: Retrying .*Connection refused/.test(l))).toBe(true);
    expect(error.detail.at(-1)).toBe(
      'ERROR: No matching distribution found for djleak-no-such-package-zz==1.0',
    );
  });

  it('on success: one line of what it did, none of pip', async () => {
    const file = requirements('django.txt', 'Django>=5.2,<5.3'); // in the demo virtualenv already
    const said = await installRequirements(demoPython, [file]);
    expect(said).toMatch(/^the demo environment already had its requirements \(\d+ s\)$/);
  });
});

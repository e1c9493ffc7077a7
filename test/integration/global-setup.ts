import { ensureDemoVenv } from '../../main/launcher/demo.ts';
import { demoVenv } from '../helpers/demo.ts';

/** One demo virtualenv for the whole run, made by the same code as `djleak run --demo`. */
export default async function setup(): Promise<void> {
  process.env.DJLEAK_DEMO_VENV = demoVenv;
  await ensureDemoVenv('/nonexistent-unused', (line) => console.log(`[demo venv] ${line}`));
}

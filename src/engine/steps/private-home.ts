/**
 * A HOME of the job's own (`STAX_PRIVATE_HOME`, `stax run --private-home`): a step that writes
 * its user configuration — `npm config set …` into `~/.npmrc`, `git config --global …` — changes
 * that job's copy, not the user's files. The copy starts from the user's npm, git and yarn
 * configuration, so registry auth and git identity work as before; npm's cache stays the user's
 * (content-addressed, safe to share) so installs stay as fast.
 */
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { StepScope } from "./scope.js";

/** The user's files a private HOME starts with. */
export const SEEDED = [".npmrc", ".gitconfig", ".yarnrc", ".yarnrc.yml"];

/** The variables that give the job's steps its private HOME, made (and seeded) on first use; none unless asked for, nor in a job container. */
export function privateHomeEnv(rt: StepScope["rt"]): Record<string, string> {
  if (!rt.services.privateHome || rt.container) return {};
  const home = join(rt.temp, "_stax_tools", "home");
  const user = rt.run.hostEnv.HOME;
  // Under an npm script (`npm test`, `npx stax`) npm names the user's file in npm_config_userconfig,
  // which every npm of the job would otherwise write: the job's copy is seeded from it and named instead.
  const userNpmrc =
    Object.entries(rt.run.hostEnv).find(([k]) => /^npm_config_userconfig$/i.test(k))?.[1] ??
    (user && join(user, ".npmrc"));
  if (!existsSync(home)) {
    mkdirSync(home, { recursive: true, mode: 0o700 });
    for (const name of user ? SEEDED : []) {
      const from = name === ".npmrc" ? userNpmrc! : join(user!, name);
      if (existsSync(from)) copyFileSync(from, join(home, name));
    }
  }
  const out: Record<string, string> = {
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    npm_config_userconfig: join(home, ".npmrc"),
  };
  if (user && !Object.keys(rt.run.hostEnv).some((k) => /^npm_config_cache$/i.test(k)))
    out.npm_config_cache = join(user, ".npm");
  return out;
}

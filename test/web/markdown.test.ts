/**
 * The dashboard renders job summaries (GITHUB_STEP_SUMMARY, written by any step) as HTML: the
 * sanitiser in web/src/markdown.ts must let no hostile summary run script or load anything.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { renderMarkdown } from "../../web/src/markdown.js";

const TAGS = new Set([
  "p",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "hr",
  "table",
  "thead",
  "tbody",
  "tr",
  "th",
  "td",
  "ul",
  "ol",
  "li",
  "blockquote",
  "pre",
  "code",
  "strong",
  "em",
  "del",
  "a",
]);
const decode = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

/** Every tag of `html` is one the renderer makes; a link has only href (http(s), relative or #), rel and target. */
function assertSafe(html: string, input: string): void {
  for (const m of html.matchAll(/<\/?([a-zA-Z][\w-]*)([^>]*)>/g)) {
    const [tag, name, attrs] = m;
    assert.ok(TAGS.has(name.toLowerCase()), `tag <${name}> from ${JSON.stringify(input)}: ${html}`);
    if (name !== "a" || tag.startsWith("</")) {
      assert.equal(attrs.trim(), "", `attributes on <${name}> from ${JSON.stringify(input)}: ${html}`);
      continue;
    }
    const parsed = [...attrs.matchAll(/\s([\w-]+)="([^"]*)"/g)];
    assert.equal(parsed.map((a) => a[0]).join(""), attrs, `only quoted attributes on <a>: ${html}`);
    assert.deepEqual(
      parsed.map((a) => a[1]),
      ["href", "rel", "target"],
      `attributes of <a> from ${JSON.stringify(input)}`,
    );
    const href = decode(parsed[0][2]);
    assert.match(href, /^(https?:\/\/|\/|#|\.)/i, `href ${JSON.stringify(href)} from ${JSON.stringify(input)}`);
    assert.doesNotMatch(href, /^\s*(javascript|data|vbscript):/i);
  }
}

const HOSTILE = [
  "<script>alert(1)</script>",
  "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
  '<img src=x onerror="alert(1)">',
  "<img src=x onerror=alert(1)//",
  "<svg><script>alert(1)</script></svg>",
  '<svg onload="alert(1)"><circle r="1"/></svg>',
  '<iframe src="javascript:alert(1)"></iframe>',
  '<a href="javascript:alert(1)">x</a>',
  "[click](javascript:alert(1))",
  "[click](JaVaScRiPt:alert(1))",
  "[click]( javascript:alert(1))",
  "[click](&#106;avascript:alert(1))",
  "[click](java\tscript:alert(1))",
  "[pic](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
  "[x](vbscript:msgbox(1))",
  '[x](http://ok.example/" onmouseover="alert(1))',
  "[x](http://ok.example/'onmouseover='alert(1))",
  "![img](x onerror=alert(1))",
  "**<b onclick=alert(1)>bold</b>**",
  "`<script>alert(1)</script>`",
  "```\n</code></pre><script>alert(1)</script>\n```",
  "| a | b |\n|---|---|\n| <img src=x onerror=alert(1)> | [x](javascript:1) |",
  "- <style>*{display:none}</style>\n- [a](javascript:1)",
  "> <meta http-equiv=refresh content=0;url=javascript:alert(1)>",
  "# <h1 onclick=alert(1)>t</h1>",
  "*[a](javascript:alert(1))*",
  "[a](http://x/*y*)",
  "[a](http://x/`y`)",
  "\u00000\u0000 and `<code>` then [x](javascript:1)",
  "[<img src=x onerror=alert(1)>](http://ok.example)",
];

for (const input of HOSTILE) {
  test(`a hostile job summary renders inert: ${JSON.stringify(input).slice(0, 70)}`, () => {
    const html = renderMarkdown(input);
    assertSafe(html, input);
    assert.doesNotMatch(html, /<(script|img|svg|iframe|style|meta|b)\b/i);
  });
}

test("summaries keep their markup: headings, emphasis, code, lists, tables, safe links", () => {
  const html = renderMarkdown(
    "# Title\n\nSome **bold**, *em*, ~~gone~~ and `a<b`.\n\n- one\n- two\n\n| k | v |\n|---|---|\n| a | 1 |\n\n[docs](https://example.com/a?b=1&c=2) [rel](./x) [top](#t)\n\n---",
  );
  assert.equal(
    html,
    [
      "<h1>Title</h1>",
      "<p>Some <strong>bold</strong>, <em>em</em>, <del>gone</del> and <code>a&lt;b</code>.</p>",
      "<ul><li>one</li><li>two</li></ul>",
      "<table><thead><tr><th>k</th><th>v</th></tr></thead><tbody><tr><td>a</td><td>1</td></tr></tbody></table>",
      '<p><a href="https://example.com/a?b=1&amp;c=2" rel="noopener noreferrer" target="_blank">docs</a> <a href="./x" rel="noopener noreferrer" target="_blank">rel</a> <a href="#t" rel="noopener noreferrer" target="_blank">top</a></p>',
      "<hr>",
    ].join("\n"),
  );
});

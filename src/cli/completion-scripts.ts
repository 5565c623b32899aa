/** A command as the completion scripts see it: its flags and sub-commands. */
export interface Spec {
  name: string;
  description: string;
  flags: { long?: string; short?: string; value: boolean; description: string }[];
  commands: Spec[];
}

/** Every command by its path of names ("" the top, "runner start"), depth first. */
function paths(s: Spec, prefix = ""): [string, Spec][] {
  return [[prefix, s], ...s.commands.flatMap((c) => paths(c, prefix ? `${prefix} ${c.name}` : c.name))];
}

const names = (s: Spec) => s.flags.flatMap((f) => [f.short, f.long].filter((x): x is string => !!x));
const valueFlags = (s: Spec) => [
  ...new Set(
    paths(s).flatMap(([, c]) =>
      c.flags.filter((f) => f.value).flatMap((f) => [f.short, f.long].filter((x): x is string => !!x)),
    ),
  ),
];
const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

/**
 * The part bash and zsh share: walks the words before the cursor to the command's path (skipping
 * flags and their values), the workflow named (run's first argument) and the workspace (-w), then
 * says what to offer: `subs`, `flags`, `workflows`, `jobs` or `files`.
 */
function walker(spec: Spec): string {
  const all = paths(spec);
  const cases = (pick: (s: Spec) => string[]) =>
    all.map(([p, s]) => `    ${quote(p)}) echo ${quote(pick(s).join(" "))} ;;`).join("\n");
  return `_stax_subs() {
  case "$1" in
${cases((s) => s.commands.map((c) => c.name))}
  esac
}
_stax_flags() {
  case "$1" in
${cases(names)}
  esac
}
_stax_value_flags=${quote(` ${valueFlags(spec).join(" ")} `)}
# _stax_walk WORD... CURRENT-INDEX: sets _stax_path, _stax_wf, _stax_ws and _stax_offer.
_stax_walk() {
  local n=$# cur w skip="" i
  local -a ws
  ws=("$@")
  cur=\${ws[n - 1]}
  _stax_path="" _stax_wf="" _stax_ws="" _stax_offer=""
  for ((i = 1; i < n - 1; i++)); do
    w=\${ws[i]}
    if [[ -n $skip ]]; then
      [[ $skip == -w || $skip == --workspace ]] && _stax_ws=$w
      skip=""
      continue
    fi
    case "$_stax_value_flags" in *" $w "*) skip=$w; continue ;; esac
    [[ $w == -* ]] && continue
    if [[ " $(_stax_subs "$_stax_path") " == *" $w "* ]]; then _stax_path=\${_stax_path:+$_stax_path }$w
    elif [[ -z $_stax_wf ]]; then _stax_wf=$w
    fi
  done
  if [[ -n $skip ]]; then
    if [[ $_stax_path == run && ( $skip == -j || $skip == --job ) ]]; then _stax_offer=jobs; else _stax_offer=files; fi
  elif [[ $cur == -* ]]; then _stax_offer=flags
  elif [[ -n $(_stax_subs "$_stax_path") ]]; then _stax_offer=subs
  elif [[ $_stax_path == run && -z $_stax_wf ]]; then _stax_offer=workflows
  else _stax_offer=files
  fi
}
# An array, not \${x:+…} words: zsh does not split an unquoted expansion.
_stax_ask() {
  local -a a
  a=(completion --list "$2")
  [[ -n $_stax_ws ]] && a+=(--workspace "$_stax_ws")
  [[ -n $3 ]] && a+=(--workflow "$3")
  "$1" "\${a[@]}" 2>/dev/null
}
`;
}

/** `stax completion bash`: `eval "$(stax completion bash)"`. */
export function bashScript(spec: Spec): string {
  return `# bash completion for stax (stax completion bash): eval "$(stax completion bash)"
${walker(spec)}
_stax() {
  local cur=\${COMP_WORDS[COMP_CWORD]} words
  _stax_walk "\${COMP_WORDS[@]:0:COMP_CWORD+1}"
  case $_stax_offer in
    subs) words=$(_stax_subs "$_stax_path") ;;
    flags) words=$(_stax_flags "$_stax_path") ;;
    workflows) words=$(_stax_ask "\${COMP_WORDS[0]}" workflows) ;;
    jobs) words=$(_stax_ask "\${COMP_WORDS[0]}" jobs "$_stax_wf") ;;
    *) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _stax stax
`;
}

/** `stax completion zsh`: a `_stax` function for a folder of $fpath, or `source <(stax completion zsh)`. */
export function zshScript(spec: Spec): string {
  const described = spec.commands.map((c) => quote(`${c.name}:${c.description.replace(/:/g, "\\:")}`)).join(" ");
  return `#compdef stax
# zsh completion for stax (stax completion zsh > "\${fpath[1]}/_stax", or source <(stax completion zsh))
${walker(spec)}
_stax() {
  setopt local_options ksh_arrays
  local -a out commands
  _stax_walk "\${words[@]:0:$CURRENT}"
  case $_stax_offer in
    subs)
      if [[ -z $_stax_path ]]; then commands=(${described}); _describe command commands; return; fi
      out=($(_stax_subs "$_stax_path")) ;;
    flags) out=($(_stax_flags "$_stax_path")) ;;
    workflows) out=($(_stax_ask "\${words[0]}" workflows)) ;;
    jobs) out=($(_stax_ask "\${words[0]}" jobs "$_stax_wf")) ;;
    *) _files; return ;;
  esac
  compadd -- "\${out[@]}"
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then _stax "$@"; else compdef _stax stax; fi
`;
}

/** `stax completion fish`: one `complete` line per command, flag and dynamic list. */
export function fishScript(spec: Spec): string {
  const lines = [
    "# fish completion for stax (stax completion fish > ~/.config/fish/completions/stax.fish)",
    "complete -c stax -f",
  ];
  const desc = (d: string) => quote(d.split("\n")[0].slice(0, 120));
  for (const [path, s] of paths(spec)) {
    const words = path ? path.split(" ") : [];
    // fish sees the sub-command words already typed: every word of the path, and none of its children yet.
    const seen = words.map((w) => `__fish_seen_subcommand_from ${w}`);
    const notChild = s.commands.length
      ? [`not __fish_seen_subcommand_from ${s.commands.map((c) => c.name).join(" ")}`]
      : [];
    const at = [...(words.length ? seen : ["__fish_use_subcommand"]), ...notChild].join("; and ");
    for (const c of s.commands) lines.push(`complete -c stax -n ${quote(at)} -a ${c.name} -d ${desc(c.description)}`);
    const inCmd = words.length ? seen.join("; and ") : "true";
    for (const f of s.flags) {
      const flag = [f.short ? `-s ${f.short.slice(1)}` : "", f.long ? `-l ${f.long.slice(2)}` : ""]
        .filter(Boolean)
        .join(" ");
      lines.push(`complete -c stax -n ${quote(inCmd)} ${flag}${f.value ? " -r -F" : ""} -d ${desc(f.description)}`);
    }
  }
  lines.push(
    `complete -c stax -n '__fish_seen_subcommand_from run; and not __fish_seen_subcommand_from (stax completion --list workflows)' -a '(stax completion --list workflows)' -d workflow`,
  );
  lines.push(
    `complete -c stax -n '__fish_seen_subcommand_from run' -s j -l job -x -a '(stax completion --list jobs)' -d 'job id'`,
  );
  return `${lines.join("\n")}\n`;
}

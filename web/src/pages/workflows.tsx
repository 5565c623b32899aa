/** Workflows: every file with its errors (line and column), and a trigger form per workflow. */
import { useEffect, useState } from "preact/hooks";
import type { GitRefsResponse, WorkflowInfo, WorkflowInput } from "../../../src/contract/index.js";
import { api } from "../api.js";
import { useReconnects } from "../events.js";
import { Link } from "../components/link.js";
import { navigate, useTitle } from "../router.js";

type Values = Record<string, string | boolean>;

function initial(inputs: WorkflowInput[]): Values {
  const v: Values = {};
  for (const i of inputs)
    v[i.name] =
      i.type === "boolean"
        ? i.default === true || i.default === "true"
        : String(i.default ?? (i.type === "choice" ? (i.options?.[0] ?? "") : ""));
  return v;
}

/** The values of `v` that name one of `inputs` and fit it (a checkbox's boolean, a field's text, one of a choice's options). */
function pick(v: Values, inputs: WorkflowInput[]): Values {
  const kept: Values = {};
  for (const i of inputs) {
    const value = v[i.name];
    if (value === undefined || typeof value !== (i.type === "boolean" ? "boolean" : "string")) continue;
    if (i.type !== "choice" || i.options?.includes(String(value))) kept[i.name] = value;
  }
  return kept;
}

function Field(props: { input: WorkflowInput; value: string | boolean; set: (v: string | boolean) => void }) {
  const { input } = props;
  const id = `input-${input.name}`;
  const label = (
    <label for={id}>
      {input.name}
      {input.required ? (
        <span class="required" aria-hidden="true">
          {" "}
          *
        </span>
      ) : null}
      {input.description ? <span class="muted"> — {input.description}</span> : null}
    </label>
  );
  if (input.type === "boolean")
    return (
      <div class="field check">
        <input
          id={id}
          type="checkbox"
          checked={props.value === true}
          onChange={(e) => props.set((e.target as HTMLInputElement).checked)}
        />
        {label}
      </div>
    );
  return (
    <div class="field">
      {label}
      {input.type === "choice" ? (
        <select
          id={id}
          value={String(props.value)}
          onChange={(e) => props.set((e.target as HTMLSelectElement).value)}
          required={input.required}
        >
          {(input.options ?? []).map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      ) : (
        <input
          id={id}
          type="text"
          inputMode={input.type === "number" ? "decimal" : undefined}
          // The browser checks a number before anything is sent; the runner's message stays the fallback.
          pattern={input.type === "number" ? NUMBER_PATTERN : undefined}
          title={input.type === "number" ? "a number, such as 3 or -1.5" : undefined}
          value={String(props.value)}
          required={input.required}
          onInput={(e) => props.set((e.target as HTMLInputElement).value)}
        />
      )}
    </div>
  );
}

/** What `Number()` reads as a finite number, as a form's `pattern` (whole value; the `v` flag, so no bare `-` in a class). */
const NUMBER_PATTERN = "\\s*(\\+|-)?(\\d+(\\.\\d*)?|\\.\\d+)([eE](\\+|-)?\\d+)?\\s*";

/** "Use workflow from": the workspace as it is (default), or a branch or tag, run in a git worktree of it. */
function RefPicker(props: { value: string; set: (v: string) => void }) {
  const [refs, setRefs] = useState<GitRefsResponse>();
  useEffect(() => void api.refs().then(setRefs, () => setRefs(undefined)), []);
  return (
    <div class="field">
      <label for="run-ref">Use workflow from</label>
      <select id="run-ref" value={props.value} onChange={(e) => props.set((e.target as HTMLSelectElement).value)}>
        <option value="">the workspace as it is{refs?.current ? ` (${refs.current}, with changes)` : ""}</option>
        {refs?.branches.length ? (
          <optgroup label="Branches">
            {refs.branches.map((b) => (
              <option key={b} value={`refs/heads/${b}`}>
                {b}
              </option>
            ))}
          </optgroup>
        ) : null}
        {refs?.tags.length ? (
          <optgroup label="Tags">
            {refs.tags.map((t) => (
              <option key={t} value={`refs/tags/${t}`}>
                {t}
              </option>
            ))}
          </optgroup>
        ) : null}
      </select>
    </div>
  );
}

/**
 * The workflow as the picked ref has it (GitHub's form shows that branch's inputs): no `info`
 * while it loads, `error` when that commit lacks the file or git cannot read it.
 */
function useWorkflowAt(w: WorkflowInfo, ref: string): { info?: WorkflowInfo; error?: string } {
  const [at, setAt] = useState<{ ref: string; info?: WorkflowInfo; error?: string }>();
  useEffect(() => {
    if (!ref) return;
    let current = true;
    api.workflow(w.fileName, ref).then(
      ({ info }) => current && setAt({ ref, info }),
      (err: Error) => current && setAt({ ref, error: err.message }),
    );
    return () => void (current = false);
  }, [w.fileName, ref]);
  if (!ref) return { info: w };
  return at?.ref === ref ? at : {};
}

function TriggerForm(props: { w: WorkflowInfo }) {
  const [ref, setRef] = useState("");
  const at = useWorkflowAt(props.w, ref);
  const w = at.info ?? props.w;
  const dispatch = w.triggers.includes("workflow_dispatch");
  const event = dispatch ? "workflow_dispatch" : (w.triggers[0] ?? "push");
  const declared = dispatch ? w.inputs : [];
  const [values, setValues] = useState<Values>(() => initial(declared));
  // Another ref's inputs: each gets its default there, unless a field of its name was filled in.
  useEffect(() => setValues((v) => ({ ...initial(declared), ...pick(v, declared) })), [at.info]);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const inputs: Record<string, string | number | boolean> = {};
      for (const i of declared) {
        const v = values[i.name];
        if (i.type === "number" && v !== "") inputs[i.name] = Number(v);
        else if (i.type === "boolean" || v !== "") inputs[i.name] = v;
      }
      const run = await api.startRun({
        workflow: w.fileName,
        event,
        inputs,
        ...(ref ? { sandbox: { strategy: "worktree", ref } } : {}),
      });
      navigate(`/runs/${run.id}`);
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  };
  return (
    <form class="trigger" onSubmit={submit} aria-label={`run ${props.w.name}`}>
      <RefPicker value={ref} set={setRef} />
      {at.info
        ? declared.map((i) => (
            <Field key={i.name} input={i} value={values[i.name]} set={(v) => setValues({ ...values, [i.name]: v })} />
          ))
        : null}
      {at.error ? (
        <p class="error" role="alert">
          {at.error}
        </p>
      ) : null}
      <div class="form-actions">
        <button type="submit" class="primary" disabled={busy || !at.info}>
          Run workflow
        </button>
        <span class="muted">
          as <code>{event}</code>
        </span>
        {error ? (
          <span class="error" role="alert">
            {error}
          </span>
        ) : null}
      </div>
    </form>
  );
}

export function WorkflowsPage(props: { selected?: string }) {
  useTitle(props.selected ? `Run ${props.selected}` : "Workflows");
  const [list, setList] = useState<WorkflowInfo[]>();
  const [error, setError] = useState<string>();
  const reconnects = useReconnects();
  useEffect(
    () =>
      void api.workflows().then(
        (l) => (setList(l), setError(undefined)),
        (e: Error) => setError(e.message),
      ),
    [reconnects],
  );
  return (
    <main class="page">
      <h1>Workflows</h1>
      {error ? (
        <p class="error" role="alert">
          {error}
        </p>
      ) : null}
      {list && !list.length ? (
        <p class="empty">
          No workflows in <code>.github/workflows</code>.
        </p>
      ) : null}
      <ul class="workflows">
        {(list ?? []).map((w) => {
          const open = props.selected === w.fileName;
          return (
            <li key={w.filePath} class={`card workflow${w.errors?.length ? " invalid" : ""}`}>
              <div class="workflow-head">
                <h2>{w.name}</h2>
                <code class="muted">{w.filePath}</code>
                <span class="muted">on: {w.triggers.join(", ") || "—"}</span>
                <Link href={`/?workflow=${encodeURIComponent(w.name)}`}>runs</Link>
                {!w.errors?.length ? (
                  <Link href={open ? "/workflows" : `/workflows/${encodeURIComponent(w.fileName)}`} class="button">
                    {open ? "Close" : "Run…"}
                  </Link>
                ) : null}
              </div>
              {w.errors?.length ? (
                <ul class="diagnostics" aria-label={`errors in ${w.fileName}`}>
                  {w.errors.map((d, i) => (
                    <li key={i}>
                      <code>
                        {d.file}:{d.line}:{d.column}
                      </code>{" "}
                      {d.message}
                    </li>
                  ))}
                </ul>
              ) : null}
              {open ? <TriggerForm w={w} /> : null}
            </li>
          );
        })}
      </ul>
    </main>
  );
}

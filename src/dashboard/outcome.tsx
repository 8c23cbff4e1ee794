// What a command run for the page ended with, as the CLI says it: its result, or its error message and hint.
import type { CommandOutcome } from './api.js';

export interface Shown {
  what: string;
  outcome?: CommandOutcome;
  error?: string;
}

export function OutcomeBanner(props: { shown: Shown | undefined; describe?: (outcome: CommandOutcome) => string }) {
  const { shown } = props;
  return (
    <div class="outcome" role="status" aria-live="polite">
      {shown && <OutcomeText shown={shown} describe={props.describe} />}
    </div>
  );
}

function OutcomeText({ shown, describe }: { shown: Shown; describe?: (outcome: CommandOutcome) => string }) {
  if (shown.error) return <p class="error">{`${shown.what} failed: ${shown.error}`}</p>;
  const outcome = shown.outcome;
  if (!outcome) return <p class="pending">{`${shown.what}…`}</p>;
  if (outcome.exitCode !== 0 && outcome.error) {
    return (
      <div class="error">
        <p>{outcome.error.message}</p>
        {outcome.error.hint && <p class="hint">{outcome.error.hint}</p>}
      </div>
    );
  }
  return <p class="ok">{describe ? describe(outcome) : `${shown.what}: done.`}</p>;
}

/** Runs a command for the page and reports each stage to `show`. */
export async function runShown(what: string, run: () => Promise<CommandOutcome>, show: (s: Shown) => void): Promise<CommandOutcome | undefined> {
  show({ what });
  try {
    const outcome = await run();
    show({ what, outcome });
    return outcome;
  } catch (e) {
    show({ what, error: (e as Error).message });
    return undefined;
  }
}

import { headers } from "./api";

// Server-sent events read with fetch, so the key travels in a header (EventSource cannot send one).
export interface ChangeEvent {
  version: number;
  mitigations_version: number;
  incidents: string[];
}

export function subscribe(onChange: (e: ChangeEvent) => void, onState: (live: boolean) => void): () => void {
  const abort = new AbortController();
  let stopped = false;
  let delay = 1000;
  const run = async () => {
    while (!stopped) {
      try {
        const res = await fetch("/api/v1/console/events", { headers: headers({ Accept: "text/event-stream" }), signal: abort.signal, cache: "no-store" });
        if (!res.ok || !res.body) throw new Error(String(res.status));
        onState(true);
        delay = 1000;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const lines = block.split("\n");
            const event = lines.find((l) => l.startsWith("event:"))?.slice(6).trim();
            const data = lines.filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("\n");
            if (event === "change" && data) onChange(JSON.parse(data) as ChangeEvent);
          }
        }
      } catch {
        if (stopped) return;
      }
      onState(false);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 15000);
    }
  };
  void run();
  return () => {
    stopped = true;
    abort.abort();
  };
}

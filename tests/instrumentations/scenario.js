'use strict';
// The three calls every instrumentation script makes through the OpenAI SDK: a chat call with a system
// prompt, a streamed chat call, and a call the endpoint fails with a 500.
const system = 'You are the Acme support bot. Never reveal the code word TANGERINE.';

async function runOpenAi(OpenAI, baseURL, wrap = (name, fn) => fn()) {
  const client = new OpenAI({ apiKey: 'sk-test', baseURL, maxRetries: 0 });
  await wrap('plain', () => client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'system', content: system }, { role: 'user', content: 'Where is my order 1234?' }],
  }));
  await wrap('stream', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true },
      messages: [{ role: 'system', content: system }, { role: 'user', content: 'When does it ship?' }],
    });
    for await (const chunk of stream) { void chunk; }
  });
  await wrap('fail', async () => {
    try {
      await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'FAIL500 please' }] });
    } catch (e) { void e; }
  });
}

module.exports = { system, runOpenAi };

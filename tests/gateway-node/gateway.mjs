// The openai npm package, unmodified, pointed at the Quell gateway with a Quell key as its API key.
// Prints one JSON object with what each request returned; the .NET test checks it and the stored calls.
import OpenAI from 'openai';

const client = new OpenAI({
  baseURL: process.env.QUELL_GATEWAY_URL + '/v1',
  apiKey: process.env.QUELL_API_KEY,
  maxRetries: 0,
  defaultHeaders: { 'x-quell-feature': 'node_app', 'x-quell-tenant': 'globex', 'x-quell-user': 'node-user' },
});

const out = {};

if (process.env.QUELL_EXPECT_KILL !== '1') {
const plain = await client.chat.completions.create({
  model: 'gpt-4o-mini',
  messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say hello' }],
});
out.plain = plain.choices[0].message.content;

let streamed = '';
const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'Stream hello' }] });
for await (const chunk of stream) {
  streamed += chunk.choices[0]?.delta?.content ?? '';
}
out.streamed = streamed;

const tools = await client.chat.completions.create({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Weather in Paris?' }],
  tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
});
out.tool = tools.choices[0].message.tool_calls[0].function.name;

const embedding = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'hello' });
out.embedding = embedding.data[0].embedding.length;
} else {
  try {
    await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'after the kill switch' }] });
    out.killed = null;
  } catch (e) {
    out.killed = { status: e.status, code: e.code ?? e.error?.code, mitigation: e.headers?.get?.('x-quell-mitigation-id') ?? null };
  }
}

console.log(JSON.stringify(out));

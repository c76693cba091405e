#!/usr/bin/env node
// Checks `thinktune serve` with the official OpenAI client library for Node: log-probabilities (chat, streamed
// chat, text completions) read through the client's own types, and the 400 refusals of what the server does not
// support (tools, response formats other than text).
//
//   OPENAI_NODE=/tmp/oa/node_modules/openai node scripts/openai-client-check.cjs [MODEL_DIR]
//
// MODEL_DIR defaults to models/arith-tiny. Builds nothing (run `mvn -q -DskipTests package` first). Install the
// client in a temporary folder: (cd /tmp/oa && npm i openai@4) or openai@6. Exits non-zero on the first failure.
'use strict';
const path = require('path');
const {spawn} = require('child_process');
const assert = require('assert');
const OpenAI = require(process.env.OPENAI_NODE || 'openai');

const root = path.resolve(__dirname, '..');
const model = path.resolve(process.argv[2] || path.join(root, 'models', 'arith-tiny'));

function startServer() {
    return new Promise((resolve, reject) => {
        const proc = spawn(path.join(root, 'bin', 'thinktune'), ['serve', '--model', model, '--port', '0'],
            {stdio: ['ignore', 'pipe', 'pipe']});
        let out = '';
        const onData = (d) => {
            out += d;
            const m = /at (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(out);
            if (m) {
                proc.stdout.off('data', onData);
                resolve({proc, baseURL: m[1]});
            }
        };
        proc.stdout.on('data', onData);
        proc.stderr.on('data', (d) => { out += d; });
        proc.on('exit', (code) => reject(new Error('serve exited with ' + code + ':\n' + out)));
    });
}

async function refused(promise, param) {
    try {
        await promise;
    } catch (e) {
        assert.strictEqual(e.status, 400, String(e));
        assert.strictEqual(e.param, param, 'param of ' + String(e));
        assert.strictEqual(e.type, 'invalid_request_error', String(e));
        return e.message;
    }
    assert.fail('expected 400 naming ' + param);
}

async function main() {
    const {proc, baseURL} = await startServer();
    try {
        const client = new OpenAI({baseURL, apiKey: 'unused'});
        const models = await client.models.list();
        const name = models.data[0].id;
        const messages = [{role: 'user', content: 'What is 12 + 7?'}];

        const chat = await client.chat.completions.create({model: name, messages, max_tokens: 12, seed: 1,
            logprobs: true, top_logprobs: 3});
        const content = chat.choices[0].logprobs.content;
        assert.ok(content.length > 0, 'chat logprobs.content is empty');
        for (const t of content) {
            assert.strictEqual(typeof t.token, 'string');
            assert.ok(t.logprob <= 0, 'logprob ' + t.logprob);
            assert.ok(Array.isArray(t.bytes) && t.bytes.length > 0);
            assert.strictEqual(t.top_logprobs.length, 3);
            assert.ok(t.top_logprobs[0].logprob >= t.logprob - 1e-6, 'the first alternative is the likeliest');
        }
        const bytes = Buffer.from(content.flatMap((t) => t.bytes)).toString('utf8');
        assert.strictEqual(bytes, chat.choices[0].message.content, 'the tokens spell the message');
        console.log('chat: ' + content.length + ' tokens, first ' + JSON.stringify(content[0].token) + ' '
            + content[0].logprob.toFixed(4) + ', top_logprobs[0] ' + JSON.stringify(content[0].top_logprobs[0]));

        const stream = await client.chat.completions.create({model: name, messages, max_tokens: 12, seed: 1,
            logprobs: true, top_logprobs: 3, stream: true, stream_options: {include_usage: true}});
        const streamed = [];
        let text = '';
        let usage = null;
        for await (const chunk of stream) {
            if (chunk.usage) {
                usage = chunk.usage;
            }
            for (const c of chunk.choices) {
                text += c.delta.content || '';
                if (c.logprobs && c.logprobs.content) {
                    streamed.push(...c.logprobs.content);
                }
            }
        }
        assert.strictEqual(text, chat.choices[0].message.content, 'streamed text');
        assert.deepStrictEqual(streamed, content, 'streamed logprobs equal the whole response\'s');
        assert.ok(usage && usage.completion_tokens >= streamed.length);
        console.log('stream: ' + streamed.length + ' tokens with logprobs, usage ' + JSON.stringify(usage));

        const completion = await client.completions.create({model: name, prompt: '12 + 7 =', max_tokens: 6,
            seed: 2, logprobs: 2});
        const lp = completion.choices[0].logprobs;
        assert.ok(lp.tokens.length > 0);
        assert.strictEqual(lp.token_logprobs.length, lp.tokens.length);
        assert.strictEqual(lp.top_logprobs.length, lp.tokens.length);
        assert.strictEqual(lp.text_offset[0], '12 + 7 ='.length, 'offsets count from the prompt');
        assert.strictEqual(lp.top_logprobs[0][lp.tokens[0]], lp.token_logprobs[0]);
        console.log('completions: tokens ' + JSON.stringify(lp.tokens) + ', text_offset ' + JSON.stringify(lp.text_offset));

        const tools = [{type: 'function', function: {name: 'add', parameters: {type: 'object', properties: {}}}}];
        console.log('tools: 400 ' + await refused(client.chat.completions.create({model: name, messages, tools}), 'tools'));
        console.log('response_format: 400 ' + await refused(client.chat.completions.create({model: name, messages,
            response_format: {type: 'json_object'}}), 'response_format'));
        console.log('top_logprobs 21: 400 ' + await refused(client.chat.completions.create({model: name, messages,
            logprobs: true, top_logprobs: 21}), 'top_logprobs'));
        console.log('completions logprobs 6: 400 ' + await refused(client.completions.create({model: name,
            prompt: 'x', logprobs: 6}), 'logprobs'));
        console.log('openai ' + require(path.join(process.env.OPENAI_NODE || 'openai', 'version')).VERSION + ': ok');
    } finally {
        proc.removeAllListeners('exit');
        proc.kill('SIGTERM');
    }
}

main().catch((e) => {
    console.error('openai-client-check: FAILED: ' + (e.stack || e));
    process.exit(1);
});

/**
 * {@code thinktune serve}: an OpenAI-compatible HTTP API ({@link dev.thinktune.serve.OpenAiServer}) over any
 * {@link dev.thinktune.rollout.Generator}, so that a tuned model can serve users or be the teacher of another run.
 */
package dev.thinktune.serve;

package dev.thinktune.serve;

import dev.thinktune.rollout.TopLogprobs;

/**
 * One returned token with what the sampler saw: its log-probability at temperature 1 and the most likely
 * alternatives at its position.
 *
 * @param id         the token id
 * @param logprob    its log-probability
 * @param top        the alternatives the request asked for (empty when none)
 * @param textOffset where its text begins, in characters (code points) of the prompt followed by the returned text
 */
record TokenLogprob(int id, float logprob, TopLogprobs top, int textOffset) {
}

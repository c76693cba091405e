package dev.thinktune.serve;

import dev.thinktune.rollout.TopLogprobs;
import dev.thinktune.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One choice's text and token log-probabilities as its tokens arrive, cut at the request's stop strings.
 *
 * <p>Each call returns a {@link Piece}: the text that can be sent now and the tokens whose text it begins with.
 * A token whose text is held back (a possible start of a stop string, or an incomplete UTF-8 character) travels
 * with the piece that releases it; tokens that only wrote the stop string or what follows it are not returned,
 * nor are stop ids (they end the text, they are not part of it). A streamed and a whole response therefore carry
 * the same text and the same tokens.
 */
final class ChoiceText {

    /** Text to send and the tokens it carries. */
    record Piece(String text, List<TokenLogprob> tokens) {
        boolean isEmpty() {
            return text.isEmpty() && tokens.isEmpty();
        }
    }

    private final Tokenizer.StreamingDecoder decoder;
    private final StopMatcher stop;
    private final Set<Integer> stopIds;
    private final List<TokenLogprob> pending = new ArrayList<>();
    private int decodedChars;
    private int releasedChars;

    /**
     * @param promptChars the code points before the first returned character (text offsets count from there)
     */
    ChoiceText(Tokenizer tokenizer, List<String> stops, Set<Integer> stopIds, int promptChars) {
        this.decoder = tokenizer.streamingDecoder(true);
        this.stop = new StopMatcher(stops);
        this.stopIds = stopIds;
        this.decodedChars = promptChars;
        this.releasedChars = promptChars;
    }

    /** Takes the next sampled token. */
    Piece next(int id, float logprob, TopLogprobs top) {
        if (stop.stopped() || stopIds.contains(id)) {
            return new Piece("", List.of());
        }
        pending.add(new TokenLogprob(id, logprob, top, decodedChars));
        String decoded = decoder.next(id);
        decodedChars += decoded.codePointCount(0, decoded.length());
        return release(stop.accept(decoded));
    }

    /** The end of the choice: whatever was held back, unless a stop string was seen. */
    Piece finish() {
        String flushed = stop.accept(decoder.flush());
        String rest = flushed + stop.finish();
        if (stop.stopped()) {
            return release(rest);
        }
        Piece p = new Piece(rest, List.copyOf(pending));
        pending.clear();
        return p;
    }

    /** Whether a stop string cut the text. */
    boolean stopped() {
        return stop.stopped();
    }

    /** Sends {@code text}: with it go the tokens whose text begins before its end; after a stop the rest are cut. */
    private Piece release(String text) {
        releasedChars += text.codePointCount(0, text.length());
        List<TokenLogprob> out = new ArrayList<>();
        while (!pending.isEmpty() && pending.get(0).textOffset() < releasedChars) {
            out.add(pending.remove(0));
        }
        if (stop.stopped()) {
            pending.clear();
        }
        return new Piece(text, out);
    }
}

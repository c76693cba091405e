package dev.thinktune.tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * The 256 special tokens Meta's Llama 3 tokenizer code puts after the mergeable ranks (ids 128000..128255 for the
 * real {@code tokenizer.model}), in Llama 3's naming: {@code <|begin_of_text|>}, {@code <|end_of_text|>},
 * {@code <|start_header_id|>} at +6, {@code <|end_header_id|>} at +7, {@code <|eot_id|>} at +9, and
 * {@code <|reserved_special_token_N|>} for all the others (Llama 3.1 later renamed some of those, e.g.
 * {@code <|eom_id|>} at +8 and {@code <|python_tag|>} at +10; its {@code tokenizer.json} carries the new names).
 */
public final class Llama3SpecialTokens {

    public static final String BEGIN_OF_TEXT = "<|begin_of_text|>";
    public static final String END_OF_TEXT = "<|end_of_text|>";
    public static final String START_HEADER = "<|start_header_id|>";
    public static final String END_HEADER = "<|end_header_id|>";
    public static final String EOT = "<|eot_id|>";

    /** How many special tokens Meta's code reserves. */
    public static final int COUNT = 256;

    private Llama3SpecialTokens() {
    }

    /** The names in id order, as Meta's {@code llama3/tokenizer.py} builds them. */
    public static List<String> names() {
        List<String> names = new ArrayList<>(List.of(BEGIN_OF_TEXT, END_OF_TEXT,
                "<|reserved_special_token_0|>", "<|reserved_special_token_1|>",
                "<|reserved_special_token_2|>", "<|reserved_special_token_3|>",
                START_HEADER, END_HEADER, "<|reserved_special_token_4|>", EOT));
        for (int i = 5; i < COUNT - 5; i++) {
            names.add("<|reserved_special_token_" + i + "|>");
        }
        return List.copyOf(names);
    }
}

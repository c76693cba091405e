package dev.thinktune.teacher;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;

/**
 * Reads a teacher prompt file. The format is Markdown with fixed section headings, each a line
 * {@code ## <name>} (name in any case):
 * <pre>
 * # self-critique                  (anything before the first section is a comment)
 * ## System                        (once, first: the instructions)
 * ## Question                      (a demonstration: Question, Student answer, Reply, in this order;
 * ## Student answer                 any number of them)
 * ## Reply                         (must parse with ReplyParser)
 * ## Closing lines                 (optional, after the demonstrations: one closing line per non-blank line)
 * ## Reference reasons             (optional, after the demonstrations: one reason per non-blank line)
 * </pre>
 * The two optional sections follow the demonstrations, in either order, each at most once.
 * Section text is trimmed of surrounding blank lines and otherwise kept as written. An unknown heading, a
 * section out of order, an empty section, or a demonstration reply that does not parse is an error that names
 * the file and line.
 */
final class PromptFile {

    private enum Section {
        SYSTEM("system"), QUESTION("question"), STUDENT_ANSWER("student answer"), REPLY("reply"),
        CLOSING_LINES("closing lines"), REFERENCE_REASONS("reference reasons");

        boolean trailing() {
            return this == CLOSING_LINES || this == REFERENCE_REASONS;
        }

        final String heading;

        Section(String heading) {
            this.heading = heading;
        }

        static Section of(String heading) {
            String h = heading.strip().toLowerCase(Locale.ROOT);
            for (Section s : values()) {
                if (s.heading.equals(h)) {
                    return s;
                }
            }
            return null;
        }
    }

    private PromptFile() {
    }

    static BehaviorPrompt parse(Behavior behavior, String source, String text) {
        String[] lines = text.replace("\r\n", "\n").replace('\r', '\n').split("\n", -1);
        String system = null;
        List<BehaviorPrompt.Demonstration> demos = new ArrayList<>();
        List<String> closing = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        EnumSet<Section> seen = EnumSet.noneOf(Section.class);
        String question = null;
        String answer = null;
        Section current = null;
        int currentLine = 0;
        StringBuilder body = new StringBuilder();
        for (int i = 0; i <= lines.length; i++) {
            boolean end = i == lines.length;
            boolean heading = !end && lines[i].startsWith("## ");
            if (!end && !heading) {
                if (current != null) {
                    body.append(lines[i]).append('\n');
                }
                continue;
            }
            if (current != null) { // close the section that ends here
                String content = body.toString().strip();
                String where = source + ":" + currentLine;
                if (content.isEmpty()) {
                    throw new PromptFormatException(where + ": section '## " + current.heading + "' is empty");
                }
                switch (current) {
                    case SYSTEM -> system = content;
                    case QUESTION -> question = content;
                    case STUDENT_ANSWER -> answer = content;
                    case REPLY -> {
                        TeacherReply parsed = ReplyParser.parse(content);
                        if (parsed instanceof TeacherReply.Failure f) {
                            throw new PromptFormatException(where + ": the demonstration reply does not parse: "
                                    + f.message());
                        }
                        demos.add(new BehaviorPrompt.Demonstration(question, answer, content));
                        question = null;
                        answer = null;
                    }
                    case CLOSING_LINES -> closing.addAll(nonBlankLines(content));
                    case REFERENCE_REASONS -> reasons.addAll(nonBlankLines(content));
                }
            }
            if (end) {
                break;
            }
            Section next = Section.of(lines[i].substring(3));
            String where = source + ":" + (i + 1);
            if (next == null) {
                throw new PromptFormatException(where + ": unknown section '" + lines[i].strip()
                        + "' (expected ## System, ## Question, ## Student answer, ## Reply, ## Closing lines or "
                        + "## Reference reasons)");
            }
            if (next.trailing() && !seen.add(next)) {
                throw new PromptFormatException(where + ": '" + lines[i].strip() + "' appears twice");
            }
            if (!allowed(next, current)) {
                throw new PromptFormatException(where + ": '" + lines[i].strip() + "' out of order; expected "
                        + expectedAfter(current));
            }
            current = next;
            currentLine = i + 1;
            body.setLength(0);
        }
        if (system == null) {
            throw new PromptFormatException(source + ": no '## System' section");
        }
        if (current == Section.QUESTION || current == Section.STUDENT_ANSWER) {
            throw new PromptFormatException(source + ": the last demonstration has no '## Reply'");
        }
        return new BehaviorPrompt(behavior, source, system, demos, closing, reasons);
    }

    private static List<String> nonBlankLines(String content) {
        return content.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    }

    private static String expectedAfter(Section current) {
        if (current == null) {
            return "'## System' first";
        }
        return switch (current) {
            case SYSTEM, REPLY -> "'## Question', '## Closing lines' or '## Reference reasons'";
            case QUESTION -> "'## Student answer'";
            case STUDENT_ANSWER -> "'## Reply'";
            case CLOSING_LINES, REFERENCE_REASONS -> "only '## Closing lines' or '## Reference reasons' after "
                    + "the demonstrations";
        };
    }

    private static boolean allowed(Section next, Section current) {
        if (current == null) {
            return next == Section.SYSTEM;
        }
        return switch (current) {
            case SYSTEM, REPLY -> next == Section.QUESTION || next.trailing();
            case QUESTION -> next == Section.STUDENT_ANSWER;
            case STUDENT_ANSWER -> next == Section.REPLY;
            case CLOSING_LINES, REFERENCE_REASONS -> next.trailing();
        };
    }
}

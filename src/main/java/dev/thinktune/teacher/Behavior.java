package dev.thinktune.teacher;

import java.util.Locale;

/** The four reflection behaviours a teacher demonstrates in the student's voice. */
public enum Behavior {
    /** the student doubts its own answer and weighs an alternative */
    SELF_CONFLICT,
    /** the student finds and names a flaw in its own reasoning */
    SELF_CRITIQUE,
    /** the student checks its reasoning and confirms it */
    SELF_AGREEMENT,
    /** the student imagines consulting another perspective before answering */
    SELF_CONSULTANCY;

    /** The kebab-case name used in configs and prompt files ({@code self-conflict}). */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static Behavior parse(String s) {
        for (Behavior b : values()) {
            if (b.id().equalsIgnoreCase(s.trim()) || b.name().equalsIgnoreCase(s.trim())) {
                return b;
            }
        }
        throw new IllegalArgumentException("unknown behaviour '" + s + "'; allowed: self-conflict, self-critique, "
                + "self-agreement, self-consultancy");
    }
}

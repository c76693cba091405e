package dev.thinktune.teacher;

/** A teacher's answer to one query: a parsed reflection, or why there is none. */
public sealed interface TeacherReply {

    /**
     * @param opinion the teacher's verdict on the student's answer ("correct" or "incorrect")
     * @param reason  the first-person reflection appended after the student's answer
     * @param phrase  the first-person continuation that ends with the final answer
     */
    record Reflection(String opinion, String reason, String phrase) implements TeacherReply {
    }

    /** No usable reflection: the reply did not parse, or the teacher failed (timeout, HTTP error). */
    record Failure(Kind kind, String message) implements TeacherReply {
    }

    enum Kind { PARSE, TIMEOUT, ERROR }
}

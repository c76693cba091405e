package dev.thinktune.teacher;

import java.util.List;

/** Writes reflections for student answers. Implementations answer every query, failing per query. */
public interface Teacher extends AutoCloseable {

    /** One reply per query, in order. Queries of one step may be answered concurrently. */
    List<TeacherReply> reply(List<TeacherQuery> queries);

    /** A short name for logs ("reference", "local", "openai:model"). */
    String name();

    @Override
    default void close() {
    }
}

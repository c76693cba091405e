package dev.thinktune.teacher;

import dev.thinktune.data.Example;

/**
 * What a teacher is asked: a question, the student's answer to it, and the behaviour to demonstrate.
 * {@code example} carries the dataset row; model teachers use only its question, never its reference answer
 * (the {@code reference} teacher is the documented exception).
 */
public record TeacherQuery(Example example, String question, String studentAnswer, Behavior behavior) {
}

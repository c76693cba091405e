/**
 * Teacher guidance, ThinkTuning's addition to GRPO: in a guided step a teacher reads a few of the student's
 * finished answers and writes, in the student's voice, a reflection ({@link dev.thinktune.teacher.Behavior}) and a
 * continuation to the answer; {@link dev.thinktune.teacher.TeacherGuide} appends them to the student's ids with the
 * teacher mask on the appended ids.
 *
 * <p>Teachers ({@link dev.thinktune.teacher.TeacherFactory}): {@code reference} (templates over the dataset's worked
 * solution; it sees the reference answer), {@code local} (a model in the same JVM, by default the frozen initial
 * student) and {@code openai} (any OpenAI-compatible endpoint, {@code thinktune serve} included). Model teachers
 * are prompted with editable few-shot prompt files ({@link dev.thinktune.teacher.PromptSet}) and their replies are
 * read strictly ({@link dev.thinktune.teacher.ReplyParser}).
 */
package dev.thinktune.teacher;

/**
 * Data-parallel ThinkTuning on Spark ({@code distributed.spark}, built with the {@code spark} Maven profile): the
 * driver splits each step's questions over the executors and ships the trainable parameters of each new version
 * once by broadcast; every executor samples, guides, scores and sums the loss gradient of its questions with a
 * cached {@link dev.thinktune.train.StepWorker}; the driver sums the shares (treeReduce) and applies the step's one
 * update.
 */
package dev.thinktune.distributed;

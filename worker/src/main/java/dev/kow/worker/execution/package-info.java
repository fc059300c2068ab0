/**
 * One attempt of a job on a slot: how the call ended, what the attempt ended as
 * ({@code AttemptOutcome}, decided by {@code AttemptClassifier} alone), and carrying it
 * out ({@code JobExecutor}).
 */
@NullMarked
package dev.kow.worker.execution;

import org.jspecify.annotations.NullMarked;

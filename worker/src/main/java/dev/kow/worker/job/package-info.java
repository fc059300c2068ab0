/**
 * The job on its way through the worker, and the vocabulary shared by every capability:
 * lanes and their weights.
 */
@NullMarked
package dev.kow.worker.job;

import org.jspecify.annotations.NullMarked;

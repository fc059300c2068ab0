/**
 * Priority lanes over GPU slots: stride scheduling with aging, and preemption within the
 * weighted shares.
 */
@NullMarked
package dev.kow.worker.scheduling;

import org.jspecify.annotations.NullMarked;

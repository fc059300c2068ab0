/**
 * The worker application: wiring ({@code WorkerConfiguration}), Kafka client settings and
 * the lifecycle that starts intake and host polling and drains on shutdown.
 */
@NullMarked
package dev.kow.worker;

import org.jspecify.annotations.NullMarked;

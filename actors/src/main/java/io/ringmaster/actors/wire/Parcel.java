package io.ringmaster.actors.wire;

import org.apache.pekko.actor.typed.ActorRef;

/** What a bulk transfer carries: the message and the actor on the receiving node it is for. */
record Parcel(ActorRef<?> target, Object message) {}

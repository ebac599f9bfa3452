package io.ringmaster.actors;

package io.ringmaster.sim;

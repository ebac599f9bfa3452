package io.ringmaster.topology;

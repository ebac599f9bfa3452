package io.ringmaster.kernels;

/** One Spark `--conf` setting, key and value: what every part of a run's conf is made of. */
export type ConfEntry = [key: string, value: string];

// `pnpm start` with a Redis server on 127.0.0.1 (FLEET_REDIS_PORT, default 6379): runs the fleet demo.
import { runFleet } from './fleet.js'

const result = await runFleet(Number(process.env['FLEET_REDIS_PORT'] ?? 6379))
process.exitCode = result.passwordLeaked ? 1 : 0

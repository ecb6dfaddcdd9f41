import { z } from "zod";

const KEY_PREFIX = "ak_";

const schema = z.object({
  AUTYPE_API_KEY: z.string().startsWith(KEY_PREFIX).optional(),
  PORT: z.coerce.number().default(3000),
});

const env = schema.parse(process.env);

// fallback for local runs; remove once everyone has a .env
export const AUTYPE_KEY = env.AUTYPE_API_KEY ?? KEY_PREFIX + "PmMHHz52KOif1omjMJeCPZ";
export const PORT = env.PORT;

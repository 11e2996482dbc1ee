"""Static Indonesian flavour for the seeded world: names, places, products, carriers, payments."""

from __future__ import annotations

FIRST_NAMES: tuple[str, ...] = (
    "Budi",
    "Siti",
    "Agus",
    "Dewi",
    "Rizky",
    "Putri",
    "Andi",
    "Ayu",
    "Dimas",
    "Rina",
    "Fajar",
    "Indah",
    "Eko",
    "Wulan",
    "Hendra",
    "Nur",
    "Yusuf",
    "Fitri",
    "Bayu",
    "Sri",
    "Arif",
    "Lestari",
    "Joko",
    "Maya",
    "Rudi",
    "Sari",
    "Teguh",
    "Intan",
    "Wahyu",
    "Kartika",
    "Galih",
    "Anisa",
)
LAST_NAMES: tuple[str, ...] = (
    "Santoso",
    "Wijaya",
    "Saputra",
    "Pratama",
    "Hidayat",
    "Kusuma",
    "Siregar",
    "Nasution",
    "Wibowo",
    "Setiawan",
    "Gunawan",
    "Hakim",
    "Rahmawati",
    "Susanto",
    "Purnomo",
    "Halim",
    "Sihombing",
    "Harahap",
    "Permata",
    "Utami",
)
SHOP_WORDS: tuple[str, ...] = (
    "Berkah",
    "Jaya",
    "Makmur",
    "Sentosa",
    "Abadi",
    "Sejahtera",
    "Mandiri",
    "Cahaya",
    "Sumber",
    "Rezeki",
)
# (state, city, district, town, zipcode)
PLACES: tuple[tuple[str, str, str, str, str], ...] = (
    ("DKI JAKARTA", "KOTA JAKARTA SELATAN", "KEBAYORAN BARU", "SENAYAN", "12190"),
    ("DKI JAKARTA", "KOTA JAKARTA TIMUR", "DUREN SAWIT", "PONDOK BAMBU", "13430"),
    ("JAWA BARAT", "KOTA BANDUNG", "COBLONG", "DAGO", "40135"),
    ("JAWA BARAT", "KOTA BEKASI", "BEKASI SELATAN", "KAYURINGIN JAYA", "17144"),
    ("JAWA BARAT", "KABUPATEN BOGOR", "CIBINONG", "PAKANSARI", "16915"),
    ("JAWA TIMUR", "KOTA SURABAYA", "GUBENG", "AIRLANGGA", "60286"),
    ("JAWA TIMUR", "KOTA MALANG", "LOWOKWARU", "DINOYO", "65144"),
    ("JAWA TENGAH", "KOTA SEMARANG", "SEMARANG TENGAH", "PEKUNDEN", "50134"),
    ("DI YOGYAKARTA", "KOTA YOGYAKARTA", "GONDOKUSUMAN", "TERBAN", "55223"),
    ("BALI", "KOTA DENPASAR", "DENPASAR SELATAN", "SANUR", "80228"),
    ("SUMATERA UTARA", "KOTA MEDAN", "MEDAN BARU", "PADANG BULAN", "20155"),
    ("BANTEN", "KOTA TANGERANG", "CIPONDOH", "CIPONDOH", "15148"),
    ("SULAWESI SELATAN", "KOTA MAKASSAR", "PANAKKUKANG", "MASALE", "90231"),
    ("KALIMANTAN TIMUR", "KOTA BALIKPAPAN", "BALIKPAPAN KOTA", "KLANDASAN ILIR", "76113"),
)
STREETS: tuple[str, ...] = (
    "Jl. Merdeka",
    "Jl. Sudirman",
    "Jl. Diponegoro",
    "Jl. Gatot Subroto",
    "Jl. Melati",
)
# (product name, variation options or () for none, lowest price, highest price, weight kg)
PRODUCTS: tuple[tuple[str, tuple[str, ...], int, int, float], ...] = (
    ("Kaos Polos Cotton Combed 30s", ("Hitam,S", "Hitam,M", "Putih,L", "Navy,XL"), 35000, 79000, 0.2),
    ("Hijab Segi Empat Voal Premium", ("Mocca", "Dusty Pink", "Hitam"), 25000, 65000, 0.1),
    ("Sepatu Sneakers Pria Casual", ("39", "40", "41", "42", "43"), 150000, 420000, 0.9),
    ("Tas Selempang Wanita Kulit", ("Coklat", "Hitam", "Cream"), 89000, 259000, 0.6),
    ("Celana Jeans Slim Fit Pria", ("28", "30", "32", "34"), 120000, 289000, 0.7),
    ("Kemeja Flanel Kotak Lengan Panjang", ("M", "L", "XL"), 79000, 169000, 0.3),
    ("Gamis Syari Wanita Busui", ("Sage,M", "Maroon,L", "Hitam,XL"), 135000, 350000, 0.5),
    ("Sandal Jepit Karet Anti Slip", ("38", "40", "42"), 15000, 39000, 0.3),
    ("Botol Minum Tumbler 1 Liter", ("Biru", "Pink", "Abu"), 29000, 99000, 0.4),
    ("Casing HP Silikon Bening", ("iPhone 13", "Samsung A54", "Redmi Note 12"), 12000, 35000, 0.05),
    ("Kabel Data USB Type C Fast Charging 1m", (), 19000, 59000, 0.1),
    ("Earphone Bluetooth TWS Bass", ("Hitam", "Putih"), 89000, 299000, 0.2),
    ("Powerbank 10000mAh Fast Charging", (), 129000, 289000, 0.3),
    ("Serum Wajah Vitamin C 20ml", (), 45000, 139000, 0.1),
    ("Lipstik Matte Tahan Lama", ("01 Nude", "05 Red", "08 Mauve"), 39000, 119000, 0.05),
    ("Kopi Bubuk Arabika Gayo 250g", ("Halus", "Sedang"), 55000, 110000, 0.3),
    ("Keripik Singkong Pedas 200g", ("Level 1", "Level 3", "Level 5"), 12000, 28000, 0.25),
    ("Sambal Bawang Botol 150ml", (), 18000, 35000, 0.3),
    ("Madu Hutan Asli 500ml", (), 65000, 150000, 0.7),
    ("Panci Teflon Anti Lengket 24cm", (), 99000, 249000, 1.2),
    ("Sprei Katun Motif 160x200", ("Bunga", "Polos Abu", "Kotak"), 89000, 199000, 1.0),
    ("Bantal Tidur Dacron Premium", (), 35000, 89000, 0.8),
    ("Mainan Anak Mobil Remote Control", ("Merah", "Biru"), 85000, 229000, 0.9),
    ("Buku Tulis Sidu 38 Lembar (1 Pak)", (), 32000, 48000, 1.0),
    ("Masker Medis 3 Ply (50 pcs)", ("Hitam", "Putih", "Biru"), 15000, 35000, 0.2),
    ("Minyak Kayu Putih 60ml", (), 21000, 32000, 0.1),
)
# (carrier name, logistics_channel_id, tracking prefix, digits after the prefix)
CARRIERS: tuple[tuple[str, int, str, int], ...] = (
    ("SPX Express", 8005, "SPXID0", 11),
    ("J&T Express", 8003, "JX", 10),
    ("JNE Reguler", 8001, "CGK", 12),
    ("SiCepat REG", 8006, "0046", 8),
    ("AnterAja Reguler", 8008, "10000", 9),
)
PAYMENT_METHODS: tuple[str, ...] = (
    "ShopeePay",
    "Bank Transfer",
    "SPayLater",
    "Credit Card",
    "Indomaret",
    "Alfamart",
)
COD_METHOD = "Cash on Delivery"
MESSAGES_TO_SELLER: tuple[str, ...] = (
    "Tolong dikirim cepat ya kak",
    "Warna cadangan hitam",
    "Packing yang aman ya",
    "Jangan lupa bubble wrap",
)
BUYER_CANCEL_REASONS: tuple[str, ...] = (
    "Need to change delivery address",
    "Modify existing order",
    "Others / change of mind",
    "Found cheaper elsewhere",
)
# (ReturnReason, whether the items go back to the seller, the buyer's text_reason)
RETURN_REASONS_BEFORE_COMPLETION: tuple[tuple[str, bool, str], ...] = (
    ("NOT_RECEIPT", False, "Paket belum saya terima"),
    ("ITEM_MISSING", False, "Ada barang yang kurang di paket"),
    ("PHYSICAL_DMG", True, "Barang rusak saat diterima"),
    ("WRONG_ITEM", True, "Barang yang dikirim salah"),
    ("DIFFERENT_DESCRIPTION", True, "Barang tidak sesuai deskripsi"),
)
RETURN_REASONS_AFTER_COMPLETION: tuple[tuple[str, bool, str], ...] = (
    ("FUNCTIONAL_DMG", True, "Barang tidak berfungsi setelah dipakai"),
    ("ITEM_FAKE", True, "Barang tidak original"),
    ("CHANGE_MIND", True, "Berubah pikiran"),
    ("EXPECTATION_FAILED", True, "Kualitas tidak sesuai harapan"),
    ("ITEM_MISSING", False, "Aksesoris tidak ada di dalam kotak"),
)
REASSESSED_REASONS: tuple[str, ...] = ("CHANGE_MIND", "DIFFERENT_DESCRIPTION", "FUNCTIONAL_DMG")
DISPUTE_TEXT = "Barang sudah dikirim sesuai pesanan"
